let out = 0;
for (let i = 0; i < 4; i++) {
  for (let j = 0; j < 4; j++) {
    out += i * j;
  }
}
console.log(out);
for (let i = 0; i < 3; i++) {
  let row = "";
  for (let j = 0; j <= i; j++) row += "*";
  console.log(row);
}
