const fs = [];
let j = 0;
while (j < 3) {
  const k = j * 10;
  fs.push(() => k);
  j++;
}
console.log(fs[0](), fs[1](), fs[2]());
