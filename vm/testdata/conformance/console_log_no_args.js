console.log();
console.log("after empty");
