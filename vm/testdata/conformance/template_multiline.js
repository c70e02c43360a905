const n = 3;
console.log(`line one
line two ${n}`);
console.log(`tab\tand\\back`);
console.log(`dollar $ and brace { }`);
