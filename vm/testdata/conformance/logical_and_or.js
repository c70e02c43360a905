console.log(true && false, true || false);
console.log(1 && 2, 0 && 2, 1 || 2, 0 || 2);
console.log("" || "default", "set" || "default");
console.log(null && 1, undefined || null);
console.log(NaN || 5, NaN && 5);
