let x = 1;
let line = "";
for (let i = 0; i < 12; i++) {
  x = x * 7.3;
  line += x + ",";
}
console.log(line);
let y = 1;
let line2 = "";
for (let i = 0; i < 12; i++) {
  y = y / 9.1;
  line2 += y + ",";
}
console.log(line2);
