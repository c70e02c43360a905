let out = "";
for (const x of [1, 2, 3]) {
  const y = x * x;
  out += y + ";";
}
console.log(out);
