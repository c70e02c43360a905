let total = 0;
for (let i = 0; i < 3; i++) {
  let acc = 0;
  acc += i;
  total += acc;
}
console.log(total);
for (let i = 10; i < 12; i++) {
  console.log(i);
}
