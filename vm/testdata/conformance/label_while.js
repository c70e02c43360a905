let i = 0;
let log = "";
loop: while (i < 5) {
  i++;
  let j = 0;
  while (j < 5) {
    j++;
    if (j === 2) continue loop;
    if (i === 4) break loop;
    log += `${i}${j} `;
  }
}
console.log(log, i);
