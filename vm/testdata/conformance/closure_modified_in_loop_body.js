const fs = [];
for (let i = 0; i < 3; i++) {
  fs.push(() => i);
  i++;
}
console.log(fs.length, fs[0](), fs[1]());
