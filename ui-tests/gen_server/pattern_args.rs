// Handler arguments become the client method's parameters: plain names only.
use perennial::gen_server;

struct Point {
    x: i64,
    y: i64,
}

struct Canvas {
    sum: i64,
}

#[gen_server]
impl Canvas {
    fn init((a, b): (i64, i64)) -> Self {
        Canvas { sum: a + b }
    }

    #[cast]
    fn draw(&mut self, Point { x, y }: Point) {
        self.sum += x + y;
    }

    #[call]
    fn ignore(&self, _: i64) -> i64 {
        self.sum
    }

    #[call]
    fn by_ref(&self, ref n: i64) -> i64 {
        *n
    }
}

fn main() {}
