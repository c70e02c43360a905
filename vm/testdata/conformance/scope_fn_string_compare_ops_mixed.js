const a = "apple", b = "banana";
console.log(a < b, a > b, a <= "apple", b >= "b", "" < "a", "a" === "a");
