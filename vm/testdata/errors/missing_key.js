const pos = { qty: 0, price: 0 };
console.log(pos.side);
// ERROR "object pos has no property side" at 2:17
