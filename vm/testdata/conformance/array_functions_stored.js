const ops = [(a, b) => a + b, (a, b) => a - b, (a, b) => a * b];
for (const op of ops) console.log(op(6, 3));
