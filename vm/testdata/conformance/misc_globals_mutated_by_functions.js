let total = 0;
const log = [];
function record(x) {
  total += x;
  log.push(total);
}
for (let i = 1; i <= 5; i++) record(i);
console.log(total, log);
