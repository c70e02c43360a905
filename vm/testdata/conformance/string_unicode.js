const s = "héllo";
console.log(s, s.length, s[1]);
console.log("€" + 5);
console.log(["é"]);
