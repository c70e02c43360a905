const s = "hello";
console.log(s.length);
console.log(s[0], s[4]);
console.log("".length);
console.log(s[1] + s[2]);
console.log(typeof s[0]);
