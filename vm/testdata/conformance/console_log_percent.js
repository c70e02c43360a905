console.log("100%");
console.log("50% done");
console.log("%");
