//! The dataset's tables as a DataFusion schema that opens a table only when a query names it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use datafusion::catalog::{SchemaProvider, TableProvider};
use datafusion::error::DataFusionError;
use datafusion::execution::runtime_env::RuntimeEnv;
use deltalake::delta_datafusion::engine::AsObjectStoreUrl;
use taskq_core::Table;
use taskq_store::Dataset;

pub(crate) struct DatasetSchema {
    dataset: Dataset,
    runtime: Arc<RuntimeEnv>,
    opened: Mutex<HashMap<Table, Arc<dyn TableProvider>>>,
}

impl std::fmt::Debug for DatasetSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatasetSchema")
            .field("root", &self.dataset.root())
            .finish()
    }
}

impl DatasetSchema {
    pub(crate) fn new(dataset: Dataset, runtime: Arc<RuntimeEnv>) -> Self {
        DatasetSchema {
            dataset,
            runtime,
            opened: Mutex::default(),
        }
    }

    fn known(&self, name: &str) -> Option<Table> {
        Table::from_name(name).filter(|t| self.dataset.manifest().version(t.name()).is_some())
    }
}

#[async_trait::async_trait]
impl SchemaProvider for DatasetSchema {
    fn table_names(&self) -> Vec<String> {
        Table::ALL
            .iter()
            .filter(|t| self.known(t.name()).is_some())
            .map(|t| t.name().to_owned())
            .collect()
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>, DataFusionError> {
        let Some(t) = self.known(name) else {
            return Ok(None);
        };
        if let Some(p) = self
            .opened
            .lock()
            .map_err(|e| DataFusionError::External(e.to_string().into()))?
            .get(&t)
        {
            return Ok(Some(p.clone()));
        }
        let Some(table) = self
            .dataset
            .table(t)
            .await
            .map_err(|e| DataFusionError::External(Box::new(e)))?
        else {
            return Ok(None);
        };
        let log_store = table.log_store();
        let url = log_store.root_url().as_object_store_url();
        if self.runtime.object_store(&url).is_err() {
            self.runtime
                .register_object_store(url.as_ref(), log_store.root_object_store(None));
        }
        let provider = table
            .table_provider()
            .await
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        self.opened
            .lock()
            .map_err(|e| DataFusionError::External(e.to_string().into()))?
            .insert(t, provider.clone());
        Ok(Some(provider))
    }

    fn table_exist(&self, name: &str) -> bool {
        self.known(name).is_some()
    }
}
