const fs = [];
for (let i = 0; i < 6; i++) {
  if (i % 2 === 0) continue;
  fs.push(() => i);
  i += 0;
}
let out = "";
for (const f of fs) out += f() + " ";
console.log(out);
