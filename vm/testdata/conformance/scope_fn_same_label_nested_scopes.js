a: for (let i = 0; i < 2; i++) { console.log(i); }
a: for (let j = 0; j < 2; j++) { if (j) break a; console.log("j", j); }
