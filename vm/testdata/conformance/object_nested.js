const o = { pos: { qty: 2, px: 100 }, tags: [1, 2] };
console.log(o);
o.pos.qty += 1;
console.log(o.pos.qty, o.tags[1]);
console.log({ a: { b: { c: { d: 1 } } } });
