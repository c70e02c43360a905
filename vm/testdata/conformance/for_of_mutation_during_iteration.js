const a = [1, 2];
let seen = "";
for (const x of a) {
  seen += x + " ";
  if (x < 3) a.push(x + 10);
}
console.log(seen, a.length);
const b = [1, 2, 3, 4];
let seen2 = "";
for (const x of b) {
  seen2 += x + " ";
  b.pop();
}
console.log(seen2, b);
