const x = 1;
const y = "two";
const o = { x, y };
console.log(o, o.x, o.y);
