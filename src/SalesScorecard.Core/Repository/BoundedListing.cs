namespace SalesScorecard.Repository;

/// <summary>A repository's listing within the budget a store is given for it: a store that stops answering ends it, never hangs it.</summary>
internal static class BoundedListing
{
    /// <summary>
    /// <see cref="IBackupRepository.ListAsync"/> cancelled after <see cref="IBackupRepository.CopyBudget"/>(0); a caller
    /// tells that from its own cancellation by its own token.
    /// </summary>
    public static async Task<RepositoryListing> ListWithinBudgetAsync(this IBackupRepository repository, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(repository.CopyBudget(0));
        return await repository.ListAsync(bounded.Token).ConfigureAwait(false);
    }
}
