let out = "";
for (let i = 0, j = 5; i < j; i++, j--) {
  out += `${i}${j} `;
}
console.log(out);
