const s = "nanotick";
let out = "";
for (let i = s.length - 1; i >= 0; i--) {
  out += s[i];
}
console.log(out);
let count = 0;
for (let i = 0; i < s.length; i++) {
  if (s[i] === "n") count++;
}
console.log(count);
