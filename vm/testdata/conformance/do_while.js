let i = 0;
do {
  console.log(i);
  i++;
} while (i < 3);
let j = 100;
do {
  j++;
} while (j < 5);
console.log(j);
