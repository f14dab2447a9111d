//! Statements, and the transactions a statement covers.

use sandbank_schemas::transaction::TransactionStatus;
use sandbank_schemas::{AccountId, Statement, StatementId};

use crate::Store;
use crate::db::Bind;
use crate::encode::{day_end_micros, day_start_micros, variant_name};
use crate::error::StoreResult;

impl Store {
    /// The statements of an account, newest period first, without their transactions.
    pub async fn statements(&self, account_id: &AccountId) -> StoreResult<Vec<Statement>> {
        self.pool
            .records(
                "SELECT body FROM statements WHERE account_id = $1 \
                 ORDER BY start_date DESC, statement_id DESC",
                vec![Bind::Text(account_id.to_string())],
            )
            .await
    }

    /// A statement of an account with its transactions: the account's posted transactions
    /// booked from the first day of the period to the end of its last day (UTC), oldest first.
    pub async fn statement_with_transactions(
        &self,
        account_id: &AccountId,
        statement_id: &StatementId,
    ) -> StoreResult<Option<Statement>> {
        let Some(mut statement) = self
            .pool
            .record::<Statement>(
                "SELECT body FROM statements WHERE statement_id = $1 AND account_id = $2",
                vec![
                    Bind::Text(statement_id.to_string()),
                    Bind::Text(account_id.to_string()),
                ],
            )
            .await?
        else {
            return Ok(None);
        };
        let transactions = self
            .pool
            .records(
                "SELECT body FROM transactions WHERE account_id = $1 AND status = $2 \
                 AND booking_ts >= $3 AND booking_ts < $4 \
                 ORDER BY booking_ts, transaction_id",
                vec![
                    Bind::Text(account_id.to_string()),
                    Bind::Text(variant_name(&TransactionStatus::Posted)?),
                    Bind::Int(day_start_micros(statement.start_date)),
                    Bind::Int(day_end_micros(statement.end_date)),
                ],
            )
            .await?;
        statement.transactions = Some(transactions);
        Ok(Some(statement))
    }
}
