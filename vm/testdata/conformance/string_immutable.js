let s = "abc";
let t = s;
s += "d";
console.log(s, t);
console.log(s.length, t.length);
