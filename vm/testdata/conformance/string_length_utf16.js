const s = "a😀b";
console.log(s.length);
console.log(s[0], s[3]);
console.log("é".length, "€uro".length);
