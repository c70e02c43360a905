const counts = new Array(5).fill(0);
let x = 42;
for (let i = 0; i < 1000; i++) {
  x = (x * 16807) % 2147483647;
  counts[x % 5]++;
}
console.log(counts);
