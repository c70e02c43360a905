console.log(["it's"]);
console.log(['say "hi"']);
console.log(["both ' and \""]);
console.log(["back\\slash"]);
console.log(["tab\t", "nl\n"]);
console.log(["plain", ""]);
