const buf = new Array(4).fill(0);
let head = 0;
for (let i = 1; i <= 10; i++) {
  buf[head] = i;
  head = (head + 1) % buf.length;
}
console.log(buf, head);
