use strict; use Time::HiRes qw(time sleep); use IO::Handle;
my ($dir, $n, $nr) = @ARGV;
mkdir $dir;
my $blk = "x" x 8192;
my $fdatasync = sub { my $fh = shift; syscall($nr, fileno($fh)) };
sub us { sprintf "%.0f", $_[0] * 1e6 }
# A: in-place 8 KiB + fdatasync (a WAL flush), 20 ms apart
open(my $fh, '+>', "$dir/inplace") or die; syswrite($fh, $blk) for 1 .. $n; $fh->sync;
my @a;
for my $i (0 .. $n - 1) { sleep(0.02); sysseek($fh, $i * 8192, 0); syswrite($fh, $blk); my $t = time; $fdatasync->($fh) == 0 or die; push @a, time - $t; }
# B: the walk: $n new files of 8 KiB written, then each opened and fsynced in turn (fsync_pgdata)
for my $i (0 .. $n - 1) { open(my $f, '>', "$dir/new$i") or die; syswrite($f, $blk); close $f; }
my @b;
for my $i (0 .. $n - 1) { my $t = time; open(my $f, '<', "$dir/new$i") or die; $f->sync or die; close $f; push @b, time - $t; }
# C: the same walk again: every file already durable
my @c;
for my $i (0 .. $n - 1) { my $t = time; open(my $f, '<', "$dir/new$i") or die; $f->sync or die; close $f; push @c, time - $t; }
# D: new 8 KiB file, fsync at once (a state file written and synced), 20 ms apart
my @d;
for my $i (0 .. $n - 1) { sleep(0.02); open(my $f, '>', "$dir/st$i") or die; syswrite($f, $blk); my $t = time; $f->sync or die; close $f; push @d, time - $t; }
# E: in-place again
my @e;
for my $i (0 .. $n - 1) { sleep(0.02); sysseek($fh, $i * 8192, 0); syswrite($fh, $blk); my $t = time; $fdatasync->($fh) == 0 or die; push @e, time - $t; }
close $fh;
unlink glob("$dir/*"); rmdir $dir;
print "A ", join(" ", map { us($_) } @a), "\n";
print "B ", join(" ", map { us($_) } @b), "\n";
print "C ", join(" ", map { us($_) } @c), "\n";
print "D ", join(" ", map { us($_) } @d), "\n";
print "E ", join(" ", map { us($_) } @e), "\n";
