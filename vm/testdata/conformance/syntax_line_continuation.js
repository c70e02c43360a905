const s = "a\
b";
console.log(s, s.length);
