function mk() { return { v: 5, arr: [1, 2, 3] }; }
console.log(mk().v, mk().arr[2], mk().arr.length);
