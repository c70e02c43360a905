console.log("it's raw");
console.log('quote " inside');
console.log("a", "it's", 'x');
console.log("");
console.log(" padded ");
