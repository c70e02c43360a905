const s = "abc";
console.log(s[3]);
console.log(s[10] === undefined);
console.log(typeof s[-1]);
