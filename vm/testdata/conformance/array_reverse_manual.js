const a = [1, 2, 3, 4, 5];
let i = 0;
let j = a.length - 1;
while (i < j) {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
  i++;
  j--;
}
console.log(a);
