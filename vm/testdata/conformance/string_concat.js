console.log("a" + "b");
console.log("abc" + "" + "def");
let s = "";
for (let i = 0; i < 5; i++) {
  s = s + i;
}
console.log(s);
s += "!";
console.log(s);
