let s = 0;
for (let i = 0; i < 10; i++) {
  s += 0.1;
}
console.log(s);
let p = 1;
for (let i = 1; i <= 20; i++) {
  p *= i;
}
console.log(p);
let q = 1;
for (let i = 1; i <= 25; i++) {
  q *= i;
}
console.log(q);
