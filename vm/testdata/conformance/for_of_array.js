const arr = [3, 1, 4, 1, 5];
let sum = 0;
for (const x of arr) {
  sum += x;
}
console.log(sum);
for (const s of ["a", "b"]) console.log(s);
for (const x of []) console.log("never");
