let s = 2463534242;
let line = "";
for (let i = 0; i < 5; i++) {
  s ^= s << 13;
  s ^= s >>> 17;
  s ^= s << 5;
  s = s >>> 0;
  line += s + " ";
}
console.log(line);
