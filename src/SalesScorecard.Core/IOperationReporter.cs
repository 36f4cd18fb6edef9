namespace SalesScorecard;

/// <summary>
/// How long-running Core work tells its caller what it is doing. The cmdlet layer turns these into Write-Progress and
/// Write-Verbose on the pipeline thread; Core never writes to a console itself.
/// </summary>
public interface IOperationReporter
{
    /// <param name="stage">What is happening, e.g. "Dumping".</param>
    /// <param name="status">Detail for the admin, e.g. "12.4 MB written".</param>
    /// <param name="percent">0 to 100, or -1 when unknown.</param>
    void Progress(string stage, string status, int percent);

    void Verbose(string message);

    void Warning(string message);
}
