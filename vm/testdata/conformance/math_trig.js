console.log(Math.sin(0), Math.cos(0), Math.tan(0));
console.log(Math.sin(-0), Math.tan(-0));
console.log(Math.atan2(1, 1), Math.atan2(0, -1), Math.atan2(-0, -1), Math.atan2(0, 0));
console.log(Math.sin(Math.PI / 2), Math.cos(Math.PI));
console.log(Math.round(Math.sin(1) * 1e9) / 1e9, Math.round(Math.cos(1) * 1e9) / 1e9);
console.log(Math.round(Math.tan(0.5) * 1e9) / 1e9);
