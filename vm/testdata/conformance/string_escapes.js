console.log("tab\there");
console.log("quote\"s");
console.log('single\'s');
console.log("back\\slash");
console.log("line1\nline2");
console.log("\u0041\x42");
