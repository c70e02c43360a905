const fs = [];
for (let i = 0; i < 3; i++) {
  fs.push(() => i);
}
console.log(fs[0](), fs[1](), fs[2]());
