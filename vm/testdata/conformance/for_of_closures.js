const fs = [];
for (const x of [7, 8, 9]) {
  fs.push(() => x * 2);
}
console.log(fs[0](), fs[1](), fs[2]());
