use strict; use Time::HiRes qw(time sleep); use IO::Handle;
my ($dir, $mb, $rounds) = @ARGV;
mkdir $dir;
my $chunk = "y" x (1 << 20);
for my $r (1 .. $rounds) {
  open(my $f, '>', "$dir/big") or die;
  my $t0 = time; syswrite($f, $chunk) for 1 .. $mb; my $t1 = time;
  $f->sync or die; my $t2 = time; close $f; unlink "$dir/big";
  printf "RATE %d MiB write %.3f s fsync %.3f s -> %.1f MB/s\n", $mb, $t1 - $t0, $t2 - $t1, $mb * 1.048576 / ($t2 - $t1);
  sleep 1;
}
rmdir $dir;
