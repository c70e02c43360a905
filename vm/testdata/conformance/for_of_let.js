const arr = [1, 2, 3];
for (let x of arr) {
  x *= 10;
  console.log(x);
}
console.log(arr);
