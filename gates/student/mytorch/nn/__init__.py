from mytorch.nn.activation import *
from mytorch.nn.batchnorm import *
from mytorch.nn.linear import *
from mytorch.nn.loss import *
