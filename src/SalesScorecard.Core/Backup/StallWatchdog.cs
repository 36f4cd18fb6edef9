using System.Diagnostics;
using System.Globalization;

namespace SalesScorecard.Backup;

/// <summary>
/// Cancels a run whose output stops growing: a stopped pg_dump (SIGSTOP) or a server that stopped answering would
/// otherwise hold the run, and with it the destination's lock, forever.
/// </summary>
internal sealed class StallWatchdog : IDisposable
{
    private readonly Func<long> _progress;
    private readonly CancellationTokenSource _cancellation;
    private readonly Timer _timer;
    private readonly Stopwatch _sinceProgress = Stopwatch.StartNew();
    private long _last = -1;

    /// <param name="progress">Reads how far the work has got (bytes written); it must grow at least once per <paramref name="limit"/>.</param>
    public StallWatchdog(Func<long> progress, TimeSpan limit, CancellationToken cancellationToken)
    {
        _progress = progress;
        Limit = limit;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var period = TimeSpan.FromMilliseconds(Math.Clamp(limit.TotalMilliseconds / 4, 100, 1000));
        _timer = new Timer(_ => Check(), null, period, period);
    }

    public TimeSpan Limit { get; }

    /// <summary>Cancelled when the caller's token is, or when nothing grew for <see cref="Limit"/>.</summary>
    public CancellationToken Token => _cancellation.Token;

    public bool Stalled { get; private set; }

    /// <summary>The limit as a message shows it: seconds up to two minutes, then minutes.</summary>
    public string DescribeLimit() =>
        Limit.TotalSeconds < 120
            ? $"{Limit.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s"
            : $"{Limit.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture)} min";

    public void Dispose()
    {
        _timer.Dispose();
        _cancellation.Dispose();
    }

    private void Check()
    {
        long now;
        try
        {
            now = _progress();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // A file that came or went while it was measured: look again at the next tick.
        }

        if (now != _last)
        {
            _last = now;
            _sinceProgress.Restart();
        }
        else if (_sinceProgress.Elapsed >= Limit && !Stalled)
        {
            Stalled = true;
            try
            {
                _cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run ended meanwhile.
            }
        }
    }
}
