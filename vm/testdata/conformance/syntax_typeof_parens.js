console.log(typeof (1 + 2), typeof typeof 1, typeof -1, typeof !1, typeof [] === "object");
