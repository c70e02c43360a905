for (let i = 0; i < 5; i++) {
  console.log(i);
}
let s = 0;
for (let i = 10; i > 0; i -= 3) s += i;
console.log(s);
