const prices = [100.5, 101.25, 99.75, 100, 102.5];
let sum = 0;
for (let i = 0; i < prices.length; i++) sum += prices[i];
console.log(sum, sum / prices.length);
let mx = -Infinity;
for (const p of prices) mx = Math.max(mx, p);
console.log(mx);
